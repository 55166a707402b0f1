from netpol.cli import main

main()
