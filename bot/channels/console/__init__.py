"""The console chat (``fazhi chat``): the same assistant in a terminal."""
