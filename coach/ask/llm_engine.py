"""The LLM engine: an LCEL chain (prompt files -> chat model -> parser) over retrieved passages."""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import RunnableLambda

from coach.prompts import CANARY, render
from coach.tokens import fit_to_budget, recent_within, truncate_tokens

HISTORY_TOKENS = 600  # of earlier turns in an answer or follow-up rewrite prompt
QUESTION_TOKENS = 1000  # the question itself (4,000 characters is about 1,000 tokens)


class LLMEngine:
    """Streams a cited answer from the configured chat model, grounded in the passages."""

    def __init__(self, llm: BaseChatModel, model_name: str, context_budget: int = 2500) -> None:
        self.llm = llm
        self.model_name = model_name
        self.context_budget = context_budget
        self.chain = RunnableLambda(self._messages) | llm | StrOutputParser()

    def _messages(self, inputs: dict) -> list:
        hits: list[Document] = inputs["hits"]
        texts = fit_to_budget([d.page_content for d in hits], self.context_budget, self.model_name)
        passages = [
            {"section": d.metadata.get("section", ""), "text": t}
            for d, t in zip(hits, texts, strict=False)
        ]
        # Keep the most recent turns that fit a small budget; older ones matter less.
        recent = recent_within((inputs.get("history") or [])[-6:], HISTORY_TOKENS,
                               model=self.model_name)
        question = truncate_tokens(inputs["question"], QUESTION_TOKENS, self.model_name)
        return [
            SystemMessage(render("answer_system", canary=CANARY)),
            HumanMessage(render("answer_user", passages=passages, history=recent,
                                question=question)),
        ]

    def condense(self, question: str, history: list[dict]) -> str:
        """Rewrite a follow-up into a standalone question (used for retrieval); the student's
        question as it is when the rewrite is not a short question in their words. The prompt is
        capped: recent turns within HISTORY_TOKENS, the question within QUESTION_TOKENS."""
        from coach.grounding.rewrite import standalone_question

        recent = recent_within(history[-6:], HISTORY_TOKENS, model=self.model_name)
        prompt = render("condense", history=recent,
                        question=truncate_tokens(question, QUESTION_TOKENS, self.model_name))
        text = (self.llm | StrOutputParser()).invoke([HumanMessage(prompt)]).strip()
        return standalone_question(text, question, recent, prompt)

    def stream(self, question: str, hits: list[Document], history: list[dict]) -> Iterator[str]:
        """Tokens as they arrive (empty chunks dropped). Closing this iterator closes the HTTP
        stream at once, so the server stops generating for a coach that gave up."""
        # The model's own stream, not `self.chain.stream`: LangChain's sequence does not close
        # its inner generators when closed, and llama.cpp then decodes on to the token limit.
        messages = self._messages({"question": question, "hits": hits, "history": history})
        stream = self.llm.stream(messages)
        try:
            for chunk in stream:
                token = str(chunk.text)  # a property in langchain-core 1.x
                if token:
                    yield token
        finally:
            stream.close()
