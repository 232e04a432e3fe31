//! Route components, one per page; the ticket page and the administration are folders, one
//! file a part.

mod account;
pub mod admin;
mod dashboard;
mod feedback_report;
mod home;
mod huddle;
mod login;
mod new_ticket;
mod notifications;
mod performance_review;
mod policy;
mod queue;
mod reviews;
mod survey;
mod ticket;
mod time_report;

pub use account::{AccountPage, ForgotPasswordPage, ResetPasswordPage};
pub use dashboard::DashboardPage;
pub use feedback_report::FeedbackReportPage;
pub use home::{HomePage, NotFoundPage};
pub use huddle::HuddlePage;
pub use login::LoginPage;
pub use new_ticket::NewTicketPage;
pub use notifications::NotificationsPage;
pub use performance_review::PerformanceReviewPage;
pub use policy::PolicyPage;
pub use queue::{PortalPage, QueuePage};
pub use reviews::ReviewsPage;
pub use survey::SurveyPage;
pub use ticket::TicketPage;
pub use time_report::TimeReportPage;
