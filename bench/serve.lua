-- wrk script for bench/serve.sh: a fixed mix of /api/search requests, taken in turn by each
-- connection (the queries of examples/search_latency.rs, some with filters, sorting or paging),
-- and the latency percentiles printed in a form the script reads.
local paths = {
  "/api/search?q=%E4%BA%92%E8%81%94%E4%BA%92%E9%80%9A",                                -- 互联互通
  "/api/search?q=%E6%94%AF%E4%BB%98%E5%AE%9D",                                          -- 支付宝
  "/api/search?q=%E5%BE%AE%E4%BF%A1%E6%94%AF%E4%BB%98%20%E4%BA%91%E9%97%AA%E4%BB%98",  -- 微信支付 云闪付
  "/api/search?q=%22%E5%A4%96%E9%93%BE%E5%B1%8F%E8%94%BD%22",                          -- "外链屏蔽"
  "/api/search?q=%E5%8F%8D%E5%9E%84%E6%96%AD%20AND%20%E7%BD%9A%E6%AC%BE",              -- 反垄断 AND 罚款
  "/api/search?q=%E8%8A%AF%E7%89%87%20-%E6%89%8B%E6%9C%BA",                            -- 芯片 -手机
  "/api/search?q=title:%E8%8B%B9%E6%9E%9C",                                             -- title:苹果
  "/api/search?q=%E7%94%B5%E5%8A%A8%E6%B1%BD%E8%BD%A6%20%E7%94%B5%E6%B1%A0",          -- 电动汽车 电池
  "/api/search?q=antitrust",
  "/api/search?q=Kubernetes",
  "/api/search?q=*&topic=semiconductors&sort=newest",
  "/api/search?q=%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD%20OR%20%E5%A4%A7%E6%A8%A1%E5%9E%8B", -- 人工智能 OR 大模型
  "/api/search?q=%E4%BA%92%E8%81%94%E4%BA%92%E9%80%9A&dedupe=true&offset=10",
  "/api/search?q=%E6%89%8B%E6%9C%BA&since=2021-06-01&until=2021-12-31&sort=newest",   -- 手机, a period
}
local n = 0
init = function(args)
  n = math.random(#paths) - 1
end
request = function()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, errors))
end
