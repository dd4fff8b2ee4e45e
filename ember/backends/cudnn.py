"""``ember.backends.cudnn``: settable flags that real PyTorch programs touch."""
benchmark = False
deterministic = False
enabled = True


def is_available():
    return False
