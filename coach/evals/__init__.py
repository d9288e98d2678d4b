"""The eval suites behind `coach eval`: runner, metrics, reports, blind splits."""
