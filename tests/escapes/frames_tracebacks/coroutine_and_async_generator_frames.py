async def co(): pass
async def ag(): yield 1
c = co()
for fr in (c.cr_frame, ag().ag_frame):
    if fr is not None and fr.f_globals is not globals(): print("ESCAPED")
c.close()
