"""OKR layer: objectives and key results from okrs.yaml, scored by pure pandas functions."""
