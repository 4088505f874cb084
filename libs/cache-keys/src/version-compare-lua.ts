/**
 * Lua twin of {@link compareVersions} for scripts: prepend it; it defines
 * `local function version_older(a, b)`, true when canonical version text `a` is older than `b`
 * (shorter, or as long and smaller byte by byte: exact for any number of digits).
 */
export const VERSION_COMPARE_LUA = `
local function version_older(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
`;
