"""Method "symmetric": block-symmetric points, proved through a few reduced parameters
whatever k is (docs/symmetric.md)."""
