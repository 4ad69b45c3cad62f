-- B2 (peak sustained) at a lower rate, for tests/report/verdict_e2e_test.sh: the spec's script
-- with peak_sustained's rate set to $RATE orders/s (default 20 instead of 84), so lt report must
-- fail linear scaling and the aggregate matches/min. Recognised as B2 by its scenario name.
local lt = require "lt"
dofile(lt.env.LT_ROOT .. "/lua/b2_peak_sustained.lua")
options.scenarios.peak_sustained.rate = tonumber(lt.env.RATE or "20")
