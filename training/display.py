"""Display names and SNOMED CT codes of the 15 outputs (the keys of ../shared/data/README.md)."""

DISPLAY = {
    'no_finding': ('No finding', '281900007', 'No abnormality detected'),
    'atelectasis': ('Atelectasis', '46621007', 'Atelectasis'),
    'cardiomegaly': ('Cardiomegaly', '8186001', 'Cardiomegaly'),
    'consolidation': ('Consolidation', '95436008', 'Lung consolidation'),
    'edema': ('Pulmonary oedema', '19242006', 'Pulmonary edema'),
    'effusion': ('Pleural effusion', '60046008', 'Pleural effusion'),
    'emphysema': ('Emphysema', '87433001', 'Pulmonary emphysema'),
    'fibrosis': ('Pulmonary fibrosis', '51615001', 'Fibrosis of lung'),
    'hernia': ('Hiatus hernia', '84089009', 'Hiatal hernia'),
    'infiltration': ('Infiltration', '409609008', 'Radiologic infiltrate of lung'),
    'mass': ('Lung mass', '309529002', 'Lung mass'),
    'nodule': ('Lung nodule', '427359005', 'Solitary nodule of lung'),
    'pleural_thickening': ('Pleural thickening', '44608003', 'Pleural thickening'),
    'pneumonia': ('Pneumonia', '233604007', 'Pneumonia'),
    'pneumothorax': ('Pneumothorax', '36118008', 'Pneumothorax'),
}
