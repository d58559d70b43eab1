//! Referrals and their life cycles: a client's way through a language course
//! (`advised → voucher_issued → registered → placed | waiting → running → exam → completed`,
//! or `interrupted`, `dropped`) and through the recognition of a foreign qualification
//! (`referred → counselled → documents → funding → applied → complete → decided`).

use super::types::spelled_enum;

spelled_enum! {
    /// Where a language-course referral stands.
    CourseStatus {
        Advised = "advised",
        /// Berechtigungsschein or Verpflichtung issued.
        VoucherIssued = "voucher_issued",
        Registered = "registered",
        Placed = "placed",
        /// On the provider's waiting list.
        Waiting = "waiting",
        Running = "running",
        Interrupted = "interrupted",
        Dropped = "dropped",
        Exam = "exam",
        Completed = "completed",
    }
}

impl CourseStatus {
    /// The states a referral may move to from here.
    pub fn next(self) -> &'static [CourseStatus] {
        use CourseStatus::*;
        match self {
            // Self-payers register without a voucher.
            Advised => &[VoucherIssued, Registered, Dropped],
            VoucherIssued => &[Registered, Dropped],
            Registered => &[Placed, Waiting, Dropped],
            Waiting => &[Placed, Dropped],
            Placed => &[Running, Dropped],
            Running => &[Interrupted, Exam, Dropped],
            Interrupted => &[Running, Dropped],
            Exam => &[Completed],
            Dropped | Completed => &[],
        }
    }

    pub fn can_move_to(self, to: CourseStatus) -> bool {
        self.next().contains(&to)
    }

    /// Nothing follows: no follow-up is due.
    pub fn is_final(self) -> bool {
        self.next().is_empty()
    }
}

spelled_enum! {
    /// On what ground the client takes the course.
    LegalBasis {
        /// Anspruch.
        Entitlement = "entitlement",
        /// Verpflichtung durch das Jobcenter.
        Obligation = "obligation",
        /// Zulassung.
        Admission = "admission",
        SelfPayer = "self_payer",
    }
}

spelled_enum! {
    /// The final exam: Deutsch-Test für Zuwanderer (DTZ) or Deutsch-Test für den Beruf (DTB).
    ExamResult {
        DtzB1 = "dtz_b1",
        DtzA2 = "dtz_a2",
        DtzBelowA2 = "dtz_below_a2",
        DtbA2 = "dtb_a2",
        DtbB1 = "dtb_b1",
        DtbB2 = "dtb_b2",
        DtbC1 = "dtb_c1",
        DtbC2 = "dtb_c2",
        DtbNotPassed = "dtb_not_passed",
    }
}

spelled_enum! {
    /// Where a recognition referral stands.
    RecognitionStatus {
        Referred = "referred",
        Counselled = "counselled",
        Documents = "documents",
        Funding = "funding",
        Applied = "applied",
        Complete = "complete",
        Decided = "decided",
    }
}

impl RecognitionStatus {
    /// The states a referral may move to from here. Funding is asked for only when needed.
    pub fn next(self) -> &'static [RecognitionStatus] {
        use RecognitionStatus::*;
        match self {
            Referred => &[Counselled],
            Counselled => &[Documents],
            Documents => &[Funding, Applied],
            Funding => &[Applied],
            Applied => &[Complete],
            Complete => &[Decided],
            Decided => &[],
        }
    }

    pub fn can_move_to(self, to: RecognitionStatus) -> bool {
        self.next().contains(&to)
    }
}

spelled_enum! {
    /// How a recognition procedure ended.
    RecognitionOutcome {
        Full = "full",
        Partial = "partial",
        CompensationMeasure = "compensation_measure",
        None = "none",
        /// Zeugnisbewertung der ZAB.
        ZabStatement = "zab_statement",
        Withdrawn = "withdrawn",
    }
}

spelled_enum! {
    /// The kind of qualification to be recognised.
    QualificationType {
        Academic = "academic",
        Vocational = "vocational",
        School = "school",
        Other = "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_course_referral_moves_only_along_its_arrows() {
        let allowed: &[(CourseStatus, CourseStatus)] = &[
            (CourseStatus::Advised, CourseStatus::VoucherIssued),
            (CourseStatus::VoucherIssued, CourseStatus::Registered),
            (CourseStatus::Registered, CourseStatus::Waiting),
            (CourseStatus::Waiting, CourseStatus::Placed),
            (CourseStatus::Placed, CourseStatus::Running),
            (CourseStatus::Running, CourseStatus::Interrupted),
            (CourseStatus::Interrupted, CourseStatus::Running),
            (CourseStatus::Running, CourseStatus::Exam),
            (CourseStatus::Exam, CourseStatus::Completed),
        ];
        for &(from, to) in allowed {
            assert!(from.can_move_to(to), "{from} → {to}");
        }
        for &from in CourseStatus::ALL {
            for &to in CourseStatus::ALL {
                let expected = from.next().contains(&to);
                assert_eq!(from.can_move_to(to), expected);
            }
            // Never back to the start, never out of an end.
            assert!(!from.can_move_to(CourseStatus::Advised));
        }
        assert!(CourseStatus::Completed.is_final() && CourseStatus::Dropped.is_final());
        assert!(!CourseStatus::Exam.can_move_to(CourseStatus::Dropped));
        assert!(!CourseStatus::Advised.can_move_to(CourseStatus::Running));
    }

    #[test]
    fn a_recognition_referral_moves_forward_only() {
        for (k, &from) in RecognitionStatus::ALL.iter().enumerate() {
            for (j, &to) in RecognitionStatus::ALL.iter().enumerate() {
                if from.can_move_to(to) {
                    assert!(j > k, "{from} → {to} goes back");
                }
            }
        }
        assert!(RecognitionStatus::Documents.can_move_to(RecognitionStatus::Applied));
        assert!(RecognitionStatus::Decided.next().is_empty());
    }
}
