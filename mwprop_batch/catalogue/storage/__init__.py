"""Where a catalogue lives and how an output is published: local paths or URLs, object stores,
all-or-nothing table writers and datasets (through :mod:`mwprop_batch.core.publish`)."""
