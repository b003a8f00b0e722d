"""Production's log lines: one JSON object per line, for the log collector to parse."""

import json
import logging
from datetime import UTC, datetime

from portal.log_context import FIELDS


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, the known ids of `portal.log_context`, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: an argument's repr never costs the line.
        return json.dumps(line, default=str)
