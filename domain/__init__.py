"""Pure rules of the mentoring program: no I/O, no framework, easy to test."""
