"""Row status shared by every module that marks rows: 'ok', or the reason a row has no result."""

OK = "ok"  # the 'status' of a row with a result
