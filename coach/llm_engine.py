"""The LLM engine: an LCEL chain (prompt files -> chat model -> parser) over retrieved passages."""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import RunnableLambda

from coach.prompts import render
from coach.tokens import count_tokens, fit_to_budget

# Planted in the system prompt; if it ever shows up in output, the prompt leaked.
CANARY = "MC-CANARY-7f3a91e2"


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
        history = inputs.get("history") or []
        # Keep the most recent turns that fit a small budget; older ones matter less.
        recent: list[dict] = []
        used = 0
        for turn in reversed(history[-6:]):
            used += count_tokens(turn["content"], self.model_name)
            if used > 600:
                break
            recent.insert(0, turn)
        return [
            SystemMessage(render("answer_system", canary=CANARY)),
            HumanMessage(render("answer_user", passages=passages, history=recent,
                                question=inputs["question"])),
        ]

    def condense(self, question: str, history: list[dict]) -> str:
        """Rewrite a follow-up into a standalone question (used for retrieval); the student's
        question as it is when the rewrite is not a short question in their words."""
        from coach.grounding.rewrite import standalone_question

        prompt = render("condense", history=history[-6:], question=question)
        text = (self.llm | StrOutputParser()).invoke([HumanMessage(prompt)]).strip()
        return standalone_question(text, question, history[-6:], prompt)

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
