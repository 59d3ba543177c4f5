"""The ``fazhi`` command line: one module per command family; ``main`` dispatches."""
