"""`python -m server run ...`: see server/bootstrap.py."""
from server.bootstrap import main

main()
