-- wrk script: each request posts one balanced transaction (1.00 yuan of AA fees).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local day = os.getenv("BENCH_DAY")
wrk.body = '{"occurred_on":"' .. day .. '","memo":"bench","entries":[{"account":"wallet","debit_fen":100},{"account":"income_fees","credit_fen":100}]}'
