-- Issue 15: one grid for every language. A rubric version held one language's wording
-- (`{"language":"fr","sections":[{"label":"Accueil","criteria":[{"label":"…","check":{"phrases":[…]}}]}]}`);
-- it now holds it per language (`"label":{"fr":"Accueil"}`, `"phrases":{"fr":[…]}`), the other
-- languages empty until filled. Versions keep their numbers, so analyses still name the version
-- they used. Same mapping as liftSingleLanguage (core/rubrics/language.ts); test/rubric-languages.test.ts
-- checks both agree.
UPDATE `rubric_versions`
SET `content` = json_remove(json_set(`content`, '$.sections', json((
  SELECT json_group_array(json(json_set(s.value,
    '$.label', json_object(json_extract(`rubric_versions`.`content`, '$.language'), json_extract(s.value, '$.label')),
    '$.criteria', json((
      SELECT json_group_array(json(json_set(
        CASE WHEN json_type(c.value, '$.description') = 'text'
          THEN json_set(c.value, '$.description',
            json_object(json_extract(`rubric_versions`.`content`, '$.language'), json_extract(c.value, '$.description')))
          ELSE c.value END,
        '$.label', json_object(json_extract(`rubric_versions`.`content`, '$.language'), json_extract(c.value, '$.label')),
        '$.check', json(CASE json_extract(c.value, '$.check.kind')
          WHEN 'phrase_present' THEN json_set(json_extract(c.value, '$.check'), '$.phrases',
            json_object(json_extract(`rubric_versions`.`content`, '$.language'), json(json_extract(c.value, '$.check.phrases'))))
          WHEN 'phrase_absent' THEN json_set(json_extract(c.value, '$.check'), '$.phrases',
            json_object(json_extract(`rubric_versions`.`content`, '$.language'), json(json_extract(c.value, '$.check.phrases'))))
          WHEN 'forbidden_words' THEN json_set(json_extract(c.value, '$.check'), '$.words',
            json_object(json_extract(`rubric_versions`.`content`, '$.language'), json(coalesce(json_extract(c.value, '$.check.words'), '[]'))))
          WHEN 'llm' THEN json_set(json_extract(c.value, '$.check'), '$.question',
            json_object(json_extract(`rubric_versions`.`content`, '$.language'), json_extract(c.value, '$.check.question')))
          ELSE json_extract(c.value, '$.check') END)
      )))
      FROM json_each(s.value, '$.criteria') AS c
    ))
  )))
  FROM json_each(`rubric_versions`.`content`, '$.sections') AS s
))), '$.language')
WHERE json_type(`content`, '$.language') = 'text';
