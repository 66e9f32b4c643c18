{ helm: std.native('helmTemplate')('mimir', './charts/mimir', {}) }
