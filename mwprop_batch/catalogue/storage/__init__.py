"""Where catalogues live (local paths, object-store URLs) and how outputs are published whole."""
