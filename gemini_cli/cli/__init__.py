"""The command line (the only package importing typer): the app, one module per command."""
