"""Source-aware checking: the original article beside its English — which language it is, its sentences, which
of them each English sentence renders, and what a rule may compare between the two (`Bitext`)."""
