"""Method "dense": the box is an n x d matrix of balls; every coordinate is proved."""
