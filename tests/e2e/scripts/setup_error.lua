options = { vus = 1, iterations = 1 }
function setup()
  local x = nil
  return x.field -- line 4: indexing nil
end
function default() end
