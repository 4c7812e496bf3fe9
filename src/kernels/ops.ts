// Kernel ops are registered here (filled in by the foundation work).
