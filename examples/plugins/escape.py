# A badly behaved plugin: tries to write outside what it was given.
def run(options):
    inbox.joinpath("stolen.txt").write_text("gotcha")  # inbox is read-only
