{ helm: std.native('helmTemplate')('mimir', '../helm/charts/tiny', {}) }
