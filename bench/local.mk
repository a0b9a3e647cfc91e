# bench: filled in by the bench work
