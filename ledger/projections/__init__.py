"""Read models: tables written only by the projector, read only through `queries`."""
