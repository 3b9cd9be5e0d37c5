"""Live histories of one upload on both engines: reading, the timeline model, terminal text."""

from albums.history.reader import EngineHistory, HistoryReader, UploadHistory, UploadNotFoundError
from albums.history.timeline import EngineTimeline, EntryStatus, TimelineEntry, durable_timeline, step_functions_timeline

__all__ = [
    "EngineHistory",
    "EngineTimeline",
    "EntryStatus",
    "HistoryReader",
    "TimelineEntry",
    "UploadHistory",
    "UploadNotFoundError",
    "durable_timeline",
    "step_functions_timeline",
]
