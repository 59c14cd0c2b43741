"""Study mode: quizzes generated from indexed documents, every question and answer cited."""
