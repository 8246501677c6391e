"""GET ``/<site>/@tusupload-cleanup``: the last sweep done by this process."""

from collective.tusupload import jobs
from collective.tusupload.settings import get_settings
from plone.restapi.services import Service


class CleanupGet(Service):
    """Returns the last summary (or null) and the cleanup settings."""

    def reply(self):
        settings = get_settings()
        record = jobs.last_record(settings.cleanup_place)
        scheduler = jobs.get_scheduler()
        return {
            "directory": settings.cleanup_place,
            "expiry": settings.expiry,
            "cleanup_interval": settings.cleanup_interval,
            "scheduler_running": scheduler is not None and scheduler.is_running,
            "last": None
            if record is None
            else {
                "finished": record.ended_at,
                "summary": record.summary.to_dict(),
                "message": str(record.summary),
            },
        }
