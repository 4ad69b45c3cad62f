options = { vus = 1 
function default() end
