// A compatible stand-in for jsonnet-libs/xtd's jsonpath.libsonnet, written for
// the conformance harness: getJSONPath(source, path, default) walks a dotted
// path (a leading '.' and [n] list indexes allowed) and returns default where
// a step is missing.
{
  local steps(path) = std.flattenArrays([
    local parts = std.split(part, '[');
    [parts[0]] + [std.parseInt(std.rstripChars(p, ']')) for p in parts[1:]]
    for part in std.split(std.lstripChars(path, '.'), '.')
  ]),

  getJSONPath(source, path, default=null)::
    std.foldl(
      function(v, step)
        if v == default then default
        else if std.isString(step) && step == '' then v
        else if std.isNumber(step) then (if std.isArray(v) && step < std.length(v) then v[step] else default)
        else if std.isObject(v) && std.objectHasAll(v, step) then v[step]
        else default,
      steps(path),
      source
    ),
}
