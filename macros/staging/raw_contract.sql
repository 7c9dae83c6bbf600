{#-
    The raw data contract, version 1 (docs/raw_contract.md), in machine-readable form:
    per table its source, primary key, record timestamp (the row's own time, for the
    future-timestamp rule) and columns with their logical type, whether they are required and
    their enumeration. Staging types, validates and quarantines raw rows from it, and the Python
    loader (orchestration/runtime/contract.py) reads the same YAML block, so each column is declared
    once. Changing it is a contract change: bump the version and write a migration note.
    A table marked `optional: true` feeds no signal: without it nothing is absent (no manual
    overrides, for crm_account_overrides), and it is left out of the generated companies.
-#}
{% macro raw_contract() -%}
{%- set contract_yaml -%}
version: 1
tables:
  crm_accounts:
    source: crm
    primary_key: account_id
    record_timestamp: created_at
    columns:
      - {name: account_id, type: string, required: true}
      - {name: account_name, type: string, required: false}
      - {name: segment, type: string, required: false}
      - {name: industry, type: string, required: false}
      - {name: csm_owner, type: string, required: false}
      - {name: parent_account_id, type: string, required: false}
      - {name: created_at, type: timestamp, required: true}
  crm_contacts:
    source: crm
    primary_key: contact_id
    record_timestamp: created_at
    columns:
      - {name: contact_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: role, type: string, required: true, values: [executive_sponsor, champion, admin, end_user, other]}
      - {name: email, type: string, required: false}
      - {name: created_at, type: timestamp, required: true}
      - {name: left_at, type: timestamp, required: false}
  crm_activities:
    source: crm
    primary_key: activity_id
    record_timestamp: occurred_at
    columns:
      - {name: activity_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: contact_id, type: string, required: false}
      - {name: activity_type, type: string, required: true, values: [meeting, qbr, call, email]}
      - {name: direction, type: string, required: true, values: [outbound, inbound]}
      - {name: outcome, type: string, required: false, values: [completed, no_show, cancelled, replied, no_reply]}
      - {name: sentiment, type: string, required: false, values: [positive, neutral, negative]}
      - {name: occurred_at, type: timestamp, required: true}
      - {name: logged_at, type: timestamp, required: false}
  crm_opportunities:
    source: crm
    primary_key: opportunity_id
    record_timestamp: created_at
    columns:
      - {name: opportunity_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: opportunity_type, type: string, required: true, values: [new_business, renewal, expansion]}
      - {name: amount, type: decimal, required: false}
      - {name: created_at, type: timestamp, required: true}
      - {name: close_date, type: date, required: false}
      - {name: is_closed, type: boolean, required: true}
      - {name: is_won, type: boolean, required: false}
  survey_responses:
    source: crm
    primary_key: response_id
    record_timestamp: responded_at
    columns:
      - {name: response_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: contact_id, type: string, required: false}
      - {name: survey_type, type: string, required: true, values: [nps, csat]}
      - {name: score, type: integer, required: true}
      - {name: responded_at, type: timestamp, required: true}
  billing_subscriptions:
    source: billing
    primary_key: subscription_id
    record_timestamp: null
    columns:
      - {name: subscription_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: plan, type: string, required: false}
      - {name: seats, type: integer, required: false}
      - {name: arr, type: decimal, required: true}
      - {name: start_date, type: date, required: true}
      - {name: end_date, type: date, required: true}
      - {name: canceled_at, type: timestamp, required: false}
  billing_invoices:
    source: billing
    primary_key: invoice_id
    record_timestamp: issued_at
    columns:
      - {name: invoice_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: subscription_id, type: string, required: false}
      - {name: amount_due, type: decimal, required: true}
      - {name: issued_at, type: timestamp, required: true}
      - {name: due_at, type: timestamp, required: true}
      - {name: paid_at, type: timestamp, required: false}
      - {name: status, type: string, required: true, values: [paid, open, void, uncollectible]}
      - {name: is_disputed, type: boolean, required: false}
  product_users:
    source: product
    primary_key: user_id
    record_timestamp: created_at
    columns:
      - {name: user_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: created_at, type: timestamp, required: true}
      - {name: deactivated_at, type: timestamp, required: false}
  product_events:
    source: product
    primary_key: event_id
    record_timestamp: occurred_at
    columns:
      - {name: event_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: user_id, type: string, required: false}
      - {name: event_name, type: string, required: true}
      - {name: occurred_at, type: timestamp, required: true}
      - {name: quantity, type: decimal, required: false}
  support_tickets:
    source: support
    primary_key: ticket_id
    record_timestamp: created_at
    columns:
      - {name: ticket_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: priority, type: string, required: true, values: [low, normal, high, urgent]}
      - {name: status, type: string, required: true, values: [new, open, pending, solved, closed]}
      - {name: created_at, type: timestamp, required: true}
      - {name: first_response_at, type: timestamp, required: false}
      - {name: solved_at, type: timestamp, required: false}
      - {name: csat, type: string, required: false, values: [good, bad]}
      - {name: is_escalated, type: boolean, required: false}
  crm_account_overrides:
    source: crm
    optional: true
    primary_key: override_id
    record_timestamp: created_at
    columns:
      - {name: override_id, type: string, required: true}
      - {name: account_id, type: string, required: true}
      - {name: override_band, type: string, required: false}
      - {name: override_score, type: decimal, required: false}
      - {name: reason, type: string, required: true}
      - {name: author, type: string, required: true}
      - {name: starts_on, type: date, required: true}
      - {name: expires_on, type: date, required: true}
      - {name: created_at, type: timestamp, required: true}
{%- endset -%}
{{ return(fromyaml(contract_yaml)) }}
{%- endmacro %}
