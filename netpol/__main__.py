from netpol.cli import entry

entry()
