-- L2: a material received as an electronic licence keeps the licence's GB/T 36904
-- identifier (not personal data: it names the type, the issuer and a serial), so the hall's
-- record of the case shows which licence replaced the paper.
ALTER TABLE case_materials ADD COLUMN licence TEXT;
