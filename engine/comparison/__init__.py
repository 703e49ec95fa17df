"""Champion against challengers: paired tests on the same rows (DeLong, McNemar, a paired bootstrap), Holm's
correction, non-inferiority verdicts, where the models disagree, and A/B tests between serving arms."""
