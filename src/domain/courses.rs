//! The course catalogue's closed sets: programmes of the Integrationskurs and the
//! Berufssprachkurs (DeuFöV), and how a course is scheduled.

use super::types::spelled_enum;

spelled_enum! {
    /// A course's programme.
    Programme {
        /// Integrationskurs: allgemeiner Integrationskurs.
        IntegrationGeneral = "integration_general",
        /// Integrationskurs mit Alphabetisierung.
        IntegrationLiteracy = "integration_literacy",
        /// Zweitschriftlernerkurs.
        IntegrationSecondScript = "integration_second_script",
        /// Intensivkurs.
        IntegrationIntensive = "integration_intensive",
        /// Jugendintegrationskurs.
        IntegrationYouth = "integration_youth",
        /// Elternintegrationskurs.
        IntegrationParents = "integration_parents",
        /// Frauenintegrationskurs.
        IntegrationWomen = "integration_women",
        /// Berufssprachkurs Basis B1 → B2.
        JobB1B2 = "job_b1_b2",
        /// Berufssprachkurs Basis B2 → C1.
        JobB2C1 = "job_b2_c1",
        /// Berufssprachkurs Basis C1 → C2.
        JobC1C2 = "job_c1_c2",
        /// Spezialkurs A2.
        JobSpecialA2 = "job_special_a2",
        /// Spezialkurs B1.
        JobSpecialB1 = "job_special_b1",
        /// Berufssprachkurs mit fachlichem Schwerpunkt (Fachmodule).
        JobVocational = "job_vocational",
    }
}

impl Programme {
    /// Integrationskurs rather than Berufssprachkurs.
    pub fn is_integration(self) -> bool {
        self.as_str().starts_with("integration_")
    }
}

spelled_enum! {
    /// Full or part time.
    Schedule {
        FullTime = "full_time",
        PartTime = "part_time",
    }
}

spelled_enum! {
    /// When the lessons are.
    TimeOfDay {
        Morning = "morning",
        Afternoon = "afternoon",
        Evening = "evening",
    }
}
