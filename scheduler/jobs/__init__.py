"""Jobs: the scheduler context of a process, the APScheduler jobs (planner, sender, digest) and
snoozing a reminder. The top room of ``scheduler``: imports every other."""
