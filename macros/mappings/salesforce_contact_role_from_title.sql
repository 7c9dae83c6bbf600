{#- The default role of a Salesforce contact (docs/mappings.md#salesforce), from its job title,
    as a SQL expression over `title_column`: a title holding "champion" is a champion; one
    holding "admin" (administrator, system admin) an admin; a C-level title (chief, ceo, cfo,
    cto, coo, cio, cro, cmo), president, founder or vice president (vp, svp, evp) the
    executive sponsor; every other contact, with or without a title, other. Set the var
    healthscore_salesforce_contact_role to a field of your own to replace it. -#}
{% macro salesforce_contact_role_from_title(title_column) -%}
    {%- set padded = "concat(' ', replace(replace(replace(lower(" ~ title_column ~ "), ',', ' '), '-', ' '), '/', ' '), ' ')" -%}
    {%- set executive_words = ['ceo', 'cfo', 'cto', 'coo', 'cio', 'cro', 'cmo', 'vp', 'svp', 'evp'] -%}
    case
        when {{ padded }} like '%champion%' then 'champion'
        when {{ padded }} like '%admin%' then 'admin'
        when {{ padded }} like '%chief %' or {{ padded }} like '%president%' or {{ padded }} like '% founder%'
            {%- for word in executive_words %}
            or {{ padded }} like '% {{ word }} %'
            {%- endfor %}
            then 'executive_sponsor'
        else 'other'
    end
{%- endmacro %}
