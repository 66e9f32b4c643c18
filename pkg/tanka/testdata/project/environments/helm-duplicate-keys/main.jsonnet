{ helm: std.native('helmTemplate')('mimir', '../helm/charts/tiny', { calledFrom: std.thisFile, nameFormat: 'same' }) }
