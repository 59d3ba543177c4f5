"""Time: the Asia/Shanghai clock, periods of a cadence and their keys, Chinese working days.
Pure: no database. Imported by every other room of ``scheduler``."""
