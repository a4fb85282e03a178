"""The tagger's recognisers, one module per family of semiotic classes, each with its patterns beside
it; their order is data, in narrator/normalise/tagger.py."""
