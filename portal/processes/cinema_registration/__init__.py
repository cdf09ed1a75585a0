"""Cinema registration 电影院注册 (P4, seed 000 §二(一)): the cinema code and its
digital certificate."""
