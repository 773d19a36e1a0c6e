# A badly behaved plugin: tries to write outside what it was given.
def run(options):
    input.joinpath("stolen.txt").write_text("gotcha")  # input is read-only
