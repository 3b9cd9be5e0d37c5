"""Live histories of one upload on both engines: reading, the timeline model, terminal text."""

from albums.history.reader import EngineHistory, HistoryReader, UploadHistories, UploadHistory, UploadNotFoundError
from albums.history.timeline import EngineTimeline, EntryStatus, TimelineEntry, durable_timeline, step_functions_timeline

__all__ = [
    "EngineHistory",
    "EngineTimeline",
    "EntryStatus",
    "HistoryReader",
    "TimelineEntry",
    "UploadHistories",
    "UploadHistory",
    "UploadNotFoundError",
    "durable_timeline",
    "step_functions_timeline",
]
