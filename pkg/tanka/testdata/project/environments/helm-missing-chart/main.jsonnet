{ helm: std.native('helmTemplate')('mimir', './charts/absent', { calledFrom: std.thisFile }) }
