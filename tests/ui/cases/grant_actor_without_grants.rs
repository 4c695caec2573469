use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,

}

#[derive(Grant)]
#[grant(resource = Photo, holder = user_id, scope = scope, anchor = camera_id)]
pub struct PhotoGrant {
    pub id: i64,
    pub user_id: i64,
    pub scope: String,
    pub camera_id: Option<i64>,
    pub min_lat: Option<f64>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[permission(Read, if = grant(PhotoGrant, Read, on = self.camera_id))]
pub struct Photo {
    pub id: i64,
    pub camera_id: i64,
    pub lat: f64,
}

fn main() {}
