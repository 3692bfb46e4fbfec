"""What a person reads: text in Chinese and English, tables, figures, fonts, the files a run writes."""
