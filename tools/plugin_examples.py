"""The example snippet on each built-in plugin's options page (docs/plugins/).

Each is the YAML a ruleset writes, keyed by (kind, name). tools/plugin_docs.py checks every
snippet's options against the plugin's options schema, so an example cannot drift from the options.
"""

from __future__ import annotations

EXAMPLES: dict[tuple[str, str], str] = {
    ("source", "csv"): """\
sources:
  deals:
    plugin: csv
    options:
      path: data/deals.csv          # relative to the ruleset's folder
      encoding: gbk                 # a Chinese Excel export
      on_error: skip                # set bad rows aside instead of failing the run
      rejects: data/deals.rejects.csv
      types: {qty: integer}         # a quantity that is not whole is a bad row
    fields: {owner: sales_rep_id}
""",
    ("source", "parquet"): """\
sources:
  deals:
    plugin: parquet
    options:
      path: warehouse/deals.parquet
    fields: {owner: sales_rep_id}
""",
    ("source", "jiandaoyun"): """\
sources:
  deals:
    plugin: jiandaoyun
    options:
      api_key: "${JDY_API_KEY}"     # from the environment, never written here
      app_id: 5f3e1c2a9b7d4e0012a3b4c5
      entry_id: 5f3e1c2a9b7d4e0012a3b4d6
      date_field: 成交日期           # ask only for the run's periods
    fields:
      owner: 销售工号
      amount: 成交金额
      closed_on: 成交日期
""",
    ("source", "hubspot"): """\
sources:
  deals:
    plugin: hubspot
    options:
      access_token: "${HUBSPOT_TOKEN}"
      pipeline: Sales Pipeline
      timezone: Asia/Shanghai
      currency: CNY
    fields:
      owner: kpi_rep_id             # a custom deal property
""",
    ("source", "salesforce"): """\
sources:
  deals:
    plugin: salesforce
    options:
      instance_url: https://acme.my.salesforce.com
      client_id: "${SF_CLIENT_ID}"
      client_secret: "${SF_CLIENT_SECRET}"
      where: "Type != 'Partner'"
      timezone: Asia/Shanghai
    fields:
      owner: Owner.EmployeeNumber
""",
    ("source", "zoho"): """\
sources:
  deals:
    plugin: zoho
    options:
      client_id: "${ZOHO_CLIENT_ID}"
      client_secret: "${ZOHO_CLIENT_SECRET}"
      refresh_token: "${ZOHO_REFRESH_TOKEN}"
      accounts_url: https://accounts.zoho.com.cn   # the China data centre
      won_stages: [Closed Won, 已签约]
""",
    ("output", "console"): """\
outputs:
  - plugin: console
    options:
      show: [scores, total, grade, payout]
""",
    ("output", "csv"): """\
outputs:
  - plugin: csv
    options:
      path: out/results.csv
      encoding: utf-8-sig           # Excel opens it with Chinese text intact
""",
    ("output", "json"): """\
outputs:
  - plugin: json
    options:
      path: out/results.json
      indent: null                  # the whole document on one line
""",
    ("output", "jiandaoyun"): """\
outputs:
  - plugin: jiandaoyun
    options:
      api_key: "${JDY_API_KEY}"
      app_id: 5f3e1c2a9b7d4e0012a3b4c5
      entry_id: 5f3e1c2a9b7d4e0012a3b4e7
      fields: {subject: 工号, period: 考核期间, total: 总分, grade: 等级, payout: 奖金}
      key_fields: [subject, period]
""",
}
